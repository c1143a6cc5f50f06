//! Publishing a reel from a link Cast serves, through the Instagram sandbox: the bytes Meta's
//! fetcher took are the file's, the fetch is logged on both sides, and a reel is published
//! exactly once whatever is lost on the way.

use std::time::Duration;

use cast::links::RevokeReason;
use cast::platforms::instagram::{
    ContainerState, ErrorKind, InstagramOptions, PublishRequest, rules,
};

use crate::instagram_helpers::{
    connect, create, entry, fetch_and_process, listing, reel_file, rig, state_of,
};
use crate::media_helpers::{fixture, sha256};

#[tokio::test]
async fn a_reel_from_a_cast_link_is_published_with_exactly_the_files_bytes() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_FETCH_CHUNK", "8192")]).await;
    let (token, account) = connect(&rig, "reels", "BUSINESS").await;
    let video = reel_file(rig.dir.path(), 20_000);
    // Cast's own checks pass before anything leaves the machine.
    let details = cast::media::details::details(&video).expect("probe");
    let report = rules::check(&details, &InstagramOptions::default());
    assert!(report.is_ok(), "{report:?}");
    let limit = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert_eq!((limit.quota_usage, limit.quota_total), (0, Some(50)));

    let (link, served) = rig.cast.link("job-reel", &video).await;
    let container = create(&rig, &token, &account, link.url(), "First reel #cast").await;
    assert_eq!(container.len(), 17);
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::InProgress
    );
    // Meta fetches after a delay, then processes for a while.
    rig.clock.advance(Duration::from_millis(1000));
    rig.sandbox.settle().await;
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::InProgress,
        "processing"
    );
    let early = rig
        .client
        .media_publish(&token, &account.user_id, &container)
        .await
        .expect_err("not ready yet");
    assert_eq!((early.code, early.subcode), (Some(9007), Some(2207027)));
    assert_eq!(early.kind, ErrorKind::Retry);
    rig.clock.advance(Duration::from_millis(5000));
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Finished
    );

    let published = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "First reel #cast",
            },
        )
        .await
        .expect("published");
    assert!(!published.settled_by_status);
    assert!(
        published.url.starts_with("https://www.instagram.com/reel/"),
        "{}",
        published.url
    );
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Published
    );
    rig.cast
        .links
        .revoke(link.id, RevokeReason::PublishReturned)
        .await
        .expect("revoke");

    let posts = listing(&rig).await;
    let post = entry(&posts, &container);
    let size = std::fs::metadata(&served).expect("stat").len();
    assert_eq!(
        post["sha256"],
        sha256(&served),
        "what Instagram received is the file"
    );
    assert_eq!(post["size"], size);
    assert_eq!(post["status_code"], "PUBLISHED");
    assert_eq!(
        post["media_id"],
        published.media_id.clone().expect("media id")
    );
    assert_eq!(post["caption"], "First reel #cast");
    assert_eq!(post["share_to_feed"], true);
    let fetches = post["fetches"].as_array().expect("fetches");
    assert_eq!(fetches[0]["method"], "HEAD");
    let ranges: Vec<&str> = fetches[1..]
        .iter()
        .map(|f| f["range"].as_str().expect("range"))
        .collect();
    assert_eq!(ranges[0], "bytes=0-8191");
    assert_eq!(ranges.len() as u64, size.div_ceil(8192));
    assert!(fetches[1..].iter().all(|f| f["status"] == 206));

    // Cast's side of the same fetch, from its link's log: HEAD, the ranges, and the publish check.
    let log = rig.cast.links.fetches("job-reel").await.expect("log");
    assert!(log.iter().all(|f| {
        f.user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("facebookexternalhit/1.1"))
    }));
    let gets: Vec<_> = log.iter().filter(|f| f.method == "GET").collect();
    assert_eq!(gets.len(), ranges.len());
    assert_eq!(gets.iter().map(|f| f.bytes).sum::<u64>(), size);
    let summary = rig.cast.links.summary("job-reel").await.expect("summary");
    assert_eq!(summary.bytes, size);
    // The owner's page shows the reel, playable, with the same bytes.
    let page = crate::instagram_helpers::no_redirects()
        .get(format!("{}/sandbox/instagram/_/", rig.sandbox.origin()))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(&container) && page.contains("<video"),
        "{page}"
    );
    let played = crate::instagram_helpers::no_redirects()
        .get(format!(
            "{}/sandbox/instagram/_/video/{container}",
            rig.sandbox.origin()
        ))
        .send()
        .await
        .expect("video")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(played.len() as u64, size);
    // The permalink came with escaped slashes, as recorded; the client's JSON parser undid them.
    let raw = crate::instagram_helpers::no_redirects()
        .get(format!(
            "{}/v25.0/{}",
            rig.sandbox.graph_base(),
            published.media_id.clone().expect("id")
        ))
        .query(&[("fields", "permalink"), ("access_token", token.expose())])
        .send()
        .await
        .expect("permalink")
        .text()
        .await
        .expect("body");
    assert!(
        raw.contains(r"https:\/\/www.instagram.com\/reel\/"),
        "{raw}"
    );
    let limit = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert_eq!(limit.quota_usage, 1);
}

#[tokio::test]
async fn a_lost_media_publish_answer_ends_with_exactly_one_reel() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", "publish:lost:1")]).await;
    let (token, account) = connect(&rig, "lossy", "MEDIA_CREATOR").await;
    let (link, _) = rig
        .cast
        .link("job-lost", &reel_file(rig.dir.path(), 0))
        .await;
    let container = create(&rig, &token, &account, link.url(), "Lost answer").await;
    fetch_and_process(&rig).await;
    let req = PublishRequest {
        user_id: &account.user_id,
        username: &account.username,
        container_id: &container,
        caption: "Lost answer",
    };
    // The answer is cut off: the reel is live, and the container's status says so.
    let published = rig
        .client
        .publish_settled(&token, &req)
        .await
        .expect("settled");
    assert!(
        published.settled_by_status,
        "learned from the status, not the answer"
    );
    let media_id = published
        .media_id
        .clone()
        .expect("found among the account's media");
    assert!(published.url.contains("/reel/"), "{}", published.url);
    // Asking again (a retried job) publishes nothing more.
    let again = rig
        .client
        .publish_settled(&token, &req)
        .await
        .expect("still published");
    assert_eq!(again.media_id.as_deref(), Some(media_id.as_str()));
    let reels: Vec<_> = listing(&rig)
        .await
        .into_iter()
        .filter(|p| !p["media_id"].is_null())
        .collect();
    assert_eq!(reels.len(), 1, "exactly one reel");
    assert_eq!(reels[0]["media_id"], media_id);
    let quota = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert_eq!(quota.quota_usage, 1);
}

#[tokio::test]
async fn a_lost_answer_on_a_bare_media_publish_is_reported_as_lost_not_failed() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", "publish:lost:1")]).await;
    let (token, account) = connect(&rig, "bare", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-bare", &reel_file(rig.dir.path(), 0))
        .await;
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    let err = rig
        .client
        .media_publish(&token, &account.user_id, &container)
        .await
        .expect_err("cut off");
    assert!(err.answer_lost(), "{err:?}");
    // Publishing blindly again would be refused: it is already live.
    let twice = rig
        .client
        .media_publish(&token, &account.user_id, &container)
        .await
        .expect_err("already published");
    assert_eq!((twice.code, twice.subcode), (Some(24), Some(2207008)));
}

#[tokio::test]
async fn the_publishing_quota_is_read_and_waited_for() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_PUBLISH_QUOTA", "1")]).await;
    let (token, account) = connect(&rig, "quota", "BUSINESS").await;
    let video = reel_file(rig.dir.path(), 0);
    let (first, _) = rig.cast.link("job-q1", &video).await;
    let (second, _) = rig.cast.link("job-q2", &video).await;
    let c1 = create(&rig, &token, &account, first.url(), "one").await;
    let c2 = create(&rig, &token, &account, second.url(), "two").await;
    fetch_and_process(&rig).await;
    let limit = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert_eq!(
        (limit.quota_usage, limit.quota_total, limit.exhausted()),
        (0, Some(1), false)
    );
    rig.client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &c1,
                caption: "one",
            },
        )
        .await
        .expect("first");
    let limit = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert!(limit.exhausted(), "{limit:?}");
    assert_eq!(limit.remaining(), Some(0));
    let err = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &c2,
                caption: "two",
            },
        )
        .await
        .expect_err("over the quota");
    assert_eq!((err.code, err.subcode), (Some(9), Some(2207042)));
    assert!(matches!(err.kind, ErrorKind::Wait { .. }), "{:?}", err.kind);
    assert!(err.to_string().contains("limit"), "{err}");
    // A day later the first post has left the window; the waiting container has expired by
    // then, so the job makes a new one from a new link and publishes.
    rig.clock.advance(Duration::from_secs(86_400));
    let limit = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("quota");
    assert_eq!(limit.quota_usage, 0);
    let (third, _) = rig.cast.link("job-q2-again", &video).await;
    let c3 = create(&rig, &token, &account, third.url(), "two").await;
    fetch_and_process(&rig).await;
    rig.client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &c3,
                caption: "two",
            },
        )
        .await
        .expect("published once the window moved");
}

#[tokio::test]
async fn a_video_instagram_refuses_fails_its_container_naming_the_rule() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "format", "BUSINESS").await;
    // ok.mp4 keeps its index at the end: Cast's rules say so before sending ...
    let details = cast::media::details::details(&fixture("ok.mp4")).expect("probe");
    let report = rules::check(&details, &InstagramOptions::default());
    let codes: Vec<_> = report.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, ["index_at_end", "too_short"]);
    // ... and the sandbox, sent it anyway, fails the container as Instagram would.
    let (link, _) = rig.cast.link("job-format", &fixture("ok.mp4")).await;
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Error
    );
    let err = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "",
            },
        )
        .await
        .expect_err("refused");
    assert_eq!((err.code, err.subcode), (Some(352), Some(2207026)));
    assert_eq!(err.kind, ErrorKind::Permanent);
    let text = err.to_string();
    assert!(text.contains("Export it as MP4"), "{text}");
    assert!(
        text.contains("'moov'"),
        "Meta's words name the rule: {text}"
    );
    let post = entry(&listing(&rig).await, &container).clone();
    assert_eq!(post["error"]["subcode"], 2207026);
    assert!(
        post["sha256"].is_string(),
        "what was received is still listed"
    );
}

#[tokio::test]
async fn a_cover_frame_past_the_end_fails_the_container() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "cover", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-cover", &reel_file(rig.dir.path(), 0))
        .await;
    let options = InstagramOptions {
        thumb_offset_ms: Some(60_000),
        ..InstagramOptions::default()
    };
    let container = rig
        .client
        .create_reel_container(
            &token,
            &account.user_id,
            &cast::platforms::instagram::ReelRequest {
                video_url: link.url(),
                cover_url: None,
                options: &options,
            },
        )
        .await
        .expect("created");
    fetch_and_process(&rig).await;
    let err = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "",
            },
        )
        .await
        .expect_err("thumb offset");
    assert_eq!((err.code, err.subcode), (Some(1), Some(2207057)));
    assert!(err.to_string().contains("cover"), "{err}");
}

#[tokio::test]
async fn a_container_left_a_day_expires_and_needs_a_new_one() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "late", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-late", &reel_file(rig.dir.path(), 0))
        .await;
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    rig.clock.advance(Duration::from_secs(86_400));
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Expired
    );
    let err = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "",
            },
        )
        .await
        .expect_err("expired");
    assert_eq!(err.kind, ErrorKind::NewContainer);
}

#[tokio::test]
async fn a_link_revoked_before_publish_makes_the_publish_fail() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "early", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-early", &reel_file(rig.dir.path(), 0))
        .await;
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Finished
    );
    rig.cast
        .links
        .revoke(link.id, RevokeReason::ContainerError)
        .await
        .expect("revoke");
    let err = rig
        .client
        .publish_settled(
            &token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "",
            },
        )
        .await
        .expect_err("the link is gone");
    assert_eq!(err.subcode, Some(2207052));
    assert!(
        err.to_string()
            .contains("keep it alive until media_publish returns"),
        "{err}"
    );
}

#[tokio::test]
async fn calls_past_the_hourly_budget_are_refused_until_the_hour_rolls_on() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_CALLS_PER_HOUR", "2")]).await;
    let (token, account) = connect(&rig, "busy", "BUSINESS").await;
    // connect() made one /me call; one more fits.
    rig.client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect("second call");
    let err = rig.client.me(&token).await.expect_err("third call");
    assert_eq!(err.code, Some(4));
    assert_eq!(err.kind, ErrorKind::Retry);
    assert!(err.to_string().contains("limiting how often"), "{err}");
    rig.clock.advance(Duration::from_secs(3600));
    rig.client.me(&token).await.expect("a new hour");
}

#[tokio::test]
async fn only_the_accounts_user_id_works_in_publishing_paths() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "paths", "BUSINESS").await;
    let scoped = account.app_scoped_id.clone().expect("app-scoped id");
    for node in ["me", scoped.as_str()] {
        let err = rig
            .client
            .publishing_limit(&token, node)
            .await
            .expect_err(node);
        assert_eq!(err.code, Some(100), "{node}");
        assert!(err.message.starts_with("(#100)"), "{}", err.message);
    }
}
