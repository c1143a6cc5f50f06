//! Strangers on the tunnel URL: what their visits leave on the server (nothing), and what the
//! log shows of anyone's requests (never a query string, where the secrets travel).

use std::time::Duration;

use futures_util::StreamExt as _;

use crate::helpers::process::CastProcess;
use crate::helpers::{PASSWORD, browser_client, run_cast, spawn_app};

fn db_bytes(dir: &std::path::Path) -> u64 {
    ["cast.db", "cast.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

#[tokio::test]
async fn anonymous_visits_store_nothing() {
    let app = spawn_app().await;
    app.logged_in().await;
    let sessions = cast::session_store::count(&app.db).await.expect("count");
    let states = cast::accounts::oauth_state::pending(&app.db)
        .await
        .expect("count");
    assert_eq!(sessions, 1, "the owner's own session");
    let bytes = db_bytes(&app.data_path());

    // 3000 visits: some keep cookies like a browser, some send none at all.
    let browser = browser_client();
    let bare = reqwest::Client::new();
    let statuses: Vec<u16> = futures_util::stream::iter(0..3000u32)
        .map(|i| {
            let client = if i % 2 == 0 { &browser } else { &bare };
            let path = match i % 3 {
                0 => "/login".to_string(),
                1 => format!("/auth/tiktok/callback?code=c{i}&state=s{i}"),
                _ => "/auth/tiktok/callback?error=access_denied".to_string(),
            };
            let url = app.url(&path);
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .expect("visit")
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "pages and refusals only: {:?}",
        statuses
            .iter()
            .filter(|s| **s != 200 && **s != 400)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        cast::session_store::count(&app.db).await.expect("count"),
        sessions,
        "no session was stored for a visitor"
    );
    assert_eq!(
        cast::accounts::oauth_state::pending(&app.db)
            .await
            .expect("count"),
        states
    );
    assert_eq!(
        db_bytes(&app.data_path()),
        bytes,
        "the database did not grow by a byte"
    );

    // The login form still works for a visitor without any server-side state.
    let page = browser.get(app.url("/login")).send().await.expect("page");
    let csrf = crate::helpers::extract_csrf(&page.text().await.expect("body")).expect("csrf");
    let res = browser
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status().as_u16(), 303);
}

#[tokio::test]
async fn oauth_attempts_are_bounded_in_number() {
    let app = spawn_app().await;
    app.logged_in().await;
    for _ in 0..50 {
        assert_eq!(app.get("/connect/tiktok").await.status().as_u16(), 303);
    }
    let pending = cast::accounts::oauth_state::pending(&app.db)
        .await
        .expect("count");
    assert!(pending <= 20, "{pending} attempts kept");
    // The newest attempt still completes.
    let res = app.connect_account("alice").await;
    assert_eq!(res.status().as_u16(), 303);
}

/// Runs the real binary with `RUST_LOG=info`, connects a creator and posts a video through the
/// sandbox (whose upload URL carries a token in its query string), and reads what was logged.
#[tokio::test]
async fn the_log_never_shows_a_query_string() {
    let dir = tempfile::tempdir().expect("dir");
    let env = [
        ("LISTEN", "127.0.0.1:0"),
        ("RUST_LOG", "info"),
        ("CAST_SANDBOX_PROCESSING_MS", "0"),
    ];
    let out = run_cast(
        dir.path(),
        &["set-password"],
        Some(&format!("{PASSWORD}\n")),
        &env,
    );
    assert!(out.status.success());
    let out = run_cast(dir.path(), &["token", "create", "--name", "t"], None, &env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = stdout.lines().last().expect("token").trim().to_string();
    let cast = CastProcess::start(dir.path(), &["serve"], &env);
    let base = cast.address();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // A wrong password with a secret-looking `next`, a stranger's callback, a setup link.
    let login_page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("page");
    let cookie = login_page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("form cookie")
        .to_string();
    let csrf = crate::helpers::extract_csrf(&login_page.text().await.expect("body")).expect("csrf");
    let res = client
        .post(format!("{base}/login?next=SECRETNEXT"))
        .header("Cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str()), ("password", "not it")])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status().as_u16(), 401);
    let res = client
        .get(format!(
            "{base}/auth/tiktok/callback?code=SECRETCODE&state=SECRETSTATE"
        ))
        .send()
        .await
        .expect("callback");
    assert_eq!(res.status().as_u16(), 400);
    client
        .get(format!("{base}/setup?token=SECRETSETUP"))
        .send()
        .await
        .expect("setup");

    // Connect a creator and post through the sandbox, as a script would.
    let bearer = format!("Bearer {token}");
    let auth: serde_json::Value = client
        .get(format!("{base}/api/tiktok/auth-url"))
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("auth url")
        .json()
        .await
        .expect("json");
    let state = auth["state"].as_str().expect("state").to_string();
    // The authorize URL carries this attempt's PKCE challenge; the consent form must echo it.
    let authorize = url::Url::parse(auth["url"].as_str().expect("url")).expect("authorize url");
    let challenge = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("the authorize URL has {name}"))
    };
    let scopes = "user.info.basic,video.upload,video.publish";
    let mut form = vec![
        ("client_key", "cast-sandbox".to_string()),
        ("response_type", "code".to_string()),
        ("redirect_uri", format!("{base}/auth/tiktok/callback")),
        ("scope", scopes.to_string()),
        ("state", state.clone()),
        ("username", "logtest".to_string()),
        ("decision", "authorize".to_string()),
        ("code_challenge", challenge("code_challenge")),
        ("code_challenge_method", challenge("code_challenge_method")),
    ];
    form.extend(scopes.split(',').map(|s| ("scopes", s.to_string())));
    let res = client
        .post(format!("{base}/sandbox/tiktok/v2/auth/authorize/"))
        .header("Authorization", &bearer)
        .form(&form)
        .send()
        .await
        .expect("consent");
    assert_eq!(res.status().as_u16(), 303);
    let callback = url::Url::parse(crate::helpers::location(&res).as_str()).expect("callback");
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let res = client
        .post(format!("{base}/api/tiktok/login"))
        .header("Authorization", &bearer)
        .json(&serde_json::json!({"code": code, "state": state}))
        .send()
        .await
        .expect("connect");
    assert_eq!(res.status().as_u16(), 200);
    let video = std::fs::read(crate::helpers::posts::fixture("ok.mp4")).expect("fixture");
    let form = reqwest::multipart::Form::new()
        .text("privacy_level", "SELF_ONLY")
        .part(
            "video",
            reqwest::multipart::Part::bytes(video)
                .file_name("ok.mp4")
                .mime_str("video/mp4")
                .expect("mime"),
        );
    let res = client
        .post(format!("{base}/api/tiktok/upload-video"))
        .header("Authorization", &bearer)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 202);
    // The sandbox logs this inside the request to the upload URL, whose query holds its token.
    cast.wait_for_line("sandbox: upload complete", Duration::from_secs(60));

    let log = cast.output();
    assert!(log.contains("login failed"), "the log was captured:\n{log}");
    assert!(log.contains("TikTok sign-in refused"), "{log}");
    assert!(log.contains("/sandbox/tiktok/upload/video/"), "{log}");
    for secret in [
        "SECRETNEXT",
        "SECRETCODE",
        "SECRETSTATE",
        "SECRETSETUP",
        "upload_token=",
        code.as_str(),
        state.as_str(),
        token.as_str(),
    ] {
        assert!(!log.contains(secret), "the log shows {secret:?}:\n{log}");
    }
}
