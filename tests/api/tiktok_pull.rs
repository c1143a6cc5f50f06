//! TikTok by URL (PULL_FROM_URL): TikTok (the sandbox) fetches the video from Cast's public
//! link over real HTTP instead of taking chunks, when the owner chose it or as the fallback once
//! every chunk plan was refused; only from a prefix verified in TikTok's portal.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::posts::*;

/// Settings for Cast on a known port with `TIKTOK_PULL_URL_PREFIX` at its links, and the
/// sandbox counting `verified` as verified in the portal (`{base}` stands for Cast's address).
fn pulling(
    port: u16,
    verified: &str,
    extra: &[(&'static str, &'static str)],
) -> Vec<(String, String)> {
    let base = format!("http://127.0.0.1:{port}");
    let mut s = vec![
        ("LISTEN".to_string(), format!("127.0.0.1:{port}")),
        ("BASE_URL".to_string(), base.clone()),
        ("TIKTOK_PULL_URL_PREFIX".to_string(), format!("{base}/m/")),
        (
            "CAST_SANDBOX_VERIFIED_URLS".to_string(),
            verified.replace("{base}", &base),
        ),
    ];
    s.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    s
}

async fn app(settings: &[(String, String)]) -> (TestApp, String) {
    let pairs: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app_with_account(&pairs).await
}

async fn live_links(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM public_links WHERE revoked_ms IS NULL")
        .fetch_one(&app.db)
        .await
        .expect("links")
}

/// Steps until the upload is final, letting the sandbox's pull (real HTTP, in the background)
/// finish between passes.
async fn published_or_failed(app: &TestApp, id: &str) -> Value {
    let sandbox = app.tiktok_sandbox.as_ref().expect("sandbox");
    for _ in 0..50 {
        sandbox.checks_settled().await;
        let j = job(app, id).await;
        if ["published", "failed"].contains(&j["state"].as_str().unwrap_or("")) {
            return j;
        }
        app.advance(Duration::from_secs(5));
        app.run_until_idle().await;
    }
    panic!("never settled: {}", job(app, id).await);
}

#[tokio::test]
async fn a_video_tiktok_pulls_from_cast_is_published_with_the_same_bytes() {
    let port = free_port();
    let (app, csrf) = app(&pulling(port, "{base}/m/", &[("TIKTOK_PULL_ALWAYS", "1")])).await;
    let video = fixture("ok.mp4");
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id").to_string();
    let done = published_or_failed(&app, &id).await;
    assert_eq!(done["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(at_tiktok.len(), 1, "{at_tiktok:?}");
    assert_eq!(at_tiktok[0]["source"], "PULL_FROM_URL");
    assert_eq!(
        at_tiktok[0]["sha256"],
        sha256_file(&video),
        "TikTok got the file as it is"
    );
    assert_eq!(
        live_links(&app).await,
        0,
        "the link is revoked once TikTok is done"
    );
}

#[tokio::test]
async fn a_large_video_whose_chunks_tiktok_refuses_is_pulled_instead() {
    let port = free_port();
    let (app, csrf) = app(&pulling(
        port,
        "{base}/m/",
        &[("CAST_SANDBOX_REFUSE_MULTI_CHUNK", "1")],
    ))
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 70_000_000);
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id").to_string();
    let done = published_or_failed(&app, &id).await;
    assert_eq!(done["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(
        at_tiktok.len(),
        1,
        "only the pull made an upload: {at_tiktok:?}"
    );
    assert_eq!(at_tiktok[0]["source"], "PULL_FROM_URL");
    assert_eq!(at_tiktok[0]["sha256"], sha256_file(&video));
}

#[tokio::test]
async fn a_link_outside_the_prefix_verified_at_tiktok_is_refused_saying_what_to_verify() {
    let port = free_port();
    let (app, csrf) = app(&pulling(
        port,
        "https://cast.example.com/m/",
        &[("TIKTOK_PULL_ALWAYS", "1")],
    ))
    .await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    let done = published_or_failed(&app, &id).await;
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error_code"], "url_ownership_unverified", "{done}");
    let message = done["last_error"].as_str().unwrap_or_default();
    let prefix = format!("http://127.0.0.1:{port}/m/");
    assert!(
        message.contains("developer portal")
            && message.contains("URL prefix")
            && message.contains(&prefix),
        "{message}"
    );
    assert!(sandbox_posts(&app).await.is_empty(), "TikTok made nothing");
    assert_eq!(live_links(&app).await, 0, "the link went with the refusal");
}

#[tokio::test]
async fn the_verification_file_pasted_in_settings_is_served_to_tiktok_without_a_login() {
    let (app, csrf) = app_with_account(&[]).await;
    let page = app.get_text("/settings").await;
    assert!(
        page.contains("TikTok URL prefix") && page.contains(&app.url("/m/")),
        "the page says which prefix to verify: {page}"
    );
    let res = app
        .post_form(
            "/settings/verification-file",
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "tiktokAbC123.txt"),
                ("contents", "tiktok-developers-site-verification=AbC123"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let back = crate::helpers::location(&res);
    assert!(app.get_text(&back).await.contains("Saved"), "nothing said");
    let tiktok = reqwest::Client::new();
    let served = tiktok
        .get(app.url("/m/tiktokAbC123.txt"))
        .send()
        .await
        .expect("fetch");
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(
        served.text().await.expect("body"),
        "tiktok-developers-site-verification=AbC123"
    );
    let bad = app
        .post_form(
            "/settings/verification-file",
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "../secret.key"),
                ("contents", "x"),
            ],
        )
        .await;
    assert_eq!(
        bad.status().as_u16(),
        422,
        "a name that is not a file name is refused"
    );
}
