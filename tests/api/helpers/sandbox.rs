//! Driving the TikTok sandbox as TikTok's clients do: consent, tokens, API calls, chunk PUTs.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, location, spawn_app_with};

pub const API: &str = "/sandbox/tiktok";
pub const REDIRECT_PATH: &str = "/auth/tiktok/callback";
pub const ALL_SCOPES: [&str; 3] = ["user.info.basic", "video.upload", "video.publish"];
pub const MIB5: u64 = 5_242_880;
/// A PKCE verifier (43–128 unreserved characters) and TikTok's hex S256 challenge of it.
pub const VERIFIER: &str = "cast-test-verifier-0123456789_abcdefghijklmnop~";

pub fn challenge() -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(VERIFIER.as_bytes()))
}

/// Cast in sandbox mode (manual clock and worker) with the owner logged in. Answers TikTok
/// gives in several forms are pinned to the documented one here (each test of a form sets its
/// knob itself); the test moves TikTok's time with `app.advance`.
pub async fn sandbox_app(settings: &[(&str, &str)]) -> TestApp {
    let mut all = vec![
        ("CAST_SANDBOX_OAUTH_ERROR_STATUS", "documented"),
        ("CAST_SANDBOX_TOKEN_TYPE", "present"),
        ("CAST_SANDBOX_CHUNK_REPLY", "documented"),
    ];
    all.extend_from_slice(settings);
    let app = spawn_app_with(&all).await;
    app.logged_in().await;
    app
}

pub fn api_url(app: &TestApp, path: &str) -> String {
    app.url(&format!("{API}{path}"))
}

pub fn redirect_uri(app: &TestApp) -> String {
    app.url(REDIRECT_PATH)
}

/// The consent page's query string, as Cast's client builds it.
pub fn authorize_query(app: &TestApp, scope: &str, state: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_key", "cast-sandbox")
        .append_pair("scope", scope)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri(app))
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge())
        .append_pair("code_challenge_method", "S256")
        .finish()
}

/// Answers the consent form directly (as the page's own form would) and returns the redirect.
pub async fn answer(
    app: &TestApp,
    username: &str,
    requested: &str,
    ticked: &[&str],
    decision: &str,
) -> reqwest::Response {
    let csrf = app.csrf_token().await;
    let redirect = redirect_uri(app);
    let challenge = challenge();
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf_token", &csrf),
        ("client_key", "cast-sandbox"),
        ("response_type", "code"),
        ("redirect_uri", &redirect),
        ("scope", requested),
        ("state", "st-123"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("username", username),
        ("decision", decision),
    ];
    form.extend(ticked.iter().map(|s| ("scopes", *s)));
    app.client
        .post(api_url(app, "/v2/auth/authorize/"))
        .form(&form)
        .send()
        .await
        .expect("consent answer")
}

pub fn query_param(url: &str, key: &str) -> Option<String> {
    let url = url::Url::parse(url).expect("absolute url");
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Approves the consent page as `username`, granting `scopes`; returns the authorization code.
pub async fn code_for(app: &TestApp, username: &str, scopes: &[&str]) -> String {
    let res = answer(app, username, &ALL_SCOPES.join(","), scopes, "authorize").await;
    assert_eq!(res.status().as_u16(), 303);
    query_param(&location(&res), "code").expect("a code")
}

pub async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .post(api_url(app, "/v2/oauth/token/"))
        .form(form)
        .send()
        .await
        .expect("token request")
}

pub async fn exchange(app: &TestApp, code: &str) -> reqwest::Response {
    let redirect = redirect_uri(app);
    token_request(
        app,
        &[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &redirect),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

pub async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    token_request(
        app,
        &[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

pub struct Creator {
    pub open_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// Connects `username` with `scopes` and exchanges the code for tokens.
pub async fn connect_with(app: &TestApp, username: &str, scopes: &[&str]) -> Creator {
    let code = code_for(app, username, scopes).await;
    let res = exchange(app, &code).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    Creator {
        open_id: body["open_id"].as_str().expect("open_id").into(),
        access_token: body["access_token"].as_str().expect("access_token").into(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .into(),
    }
}

pub async fn connect(app: &TestApp, username: &str) -> Creator {
    connect_with(app, username, &ALL_SCOPES).await
}

/// A v2 API call: JSON body, bearer token. Returns the status and the parsed body.
pub async fn call(app: &TestApp, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(api_url(app, path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("api call");
    let status = res.status().as_u16();
    (status, res.json().await.expect("a JSON body"))
}

pub fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

/// Asserts a v2 error: status, code, a message and a 34-character log_id.
pub fn assert_api_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!((status, code_of(body)), (want_status, want_code), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert_eq!(
        body["error"]["log_id"].as_str().map(str::len),
        Some(34),
        "{body}"
    );
}

pub fn assert_ok(status: u16, body: &Value) {
    assert_eq!((status, code_of(body)), (200, "ok"), "{body}");
    assert_eq!(body["error"]["message"], "", "{body}");
    assert_eq!(
        body["error"]["log_id"].as_str().map(str::len),
        Some(34),
        "{body}"
    );
}

pub fn file_source(size: u64, chunk: u64, count: u64) -> Value {
    json!({"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count})
}

pub fn post_info(privacy: &str) -> Value {
    json!({"privacy_level": privacy, "title": "Hello #cast", "brand_content_toggle": false})
}

pub async fn init_direct(app: &TestApp, token: &str, privacy: &str, source: Value) -> (u16, Value) {
    call(
        app,
        token,
        "/v2/post/publish/video/init/",
        Some(json!({"post_info": post_info(privacy), "source_info": source})),
    )
    .await
}

pub async fn init_inbox(app: &TestApp, token: &str, source: Value) -> (u16, Value) {
    call(
        app,
        token,
        "/v2/post/publish/inbox/video/init/",
        Some(json!({"source_info": source})),
    )
    .await
}

/// An accepted init's publish_id and upload_url.
pub fn accepted(status: u16, body: &Value) -> (String, String) {
    assert_ok(status, body);
    let data = &body["data"];
    (
        data["publish_id"].as_str().expect("publish_id").into(),
        data["upload_url"].as_str().expect("upload_url").into(),
    )
}

/// One chunk PUT with TikTok's headers.
pub async fn put_chunk(
    upload_url: &str,
    first: u64,
    total: u64,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let last = first + bytes.len() as u64 - 1;
    reqwest::Client::new()
        .put(upload_url)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes {first}-{last}/{total}"))
        .body(bytes)
        .send()
        .await
        .expect("chunk put")
}

pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Bytes that are not a video: fine for the chunk protocol, refused by the media check.
pub fn garbage(len: u64, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

pub async fn status_of(app: &TestApp, token: &str, publish_id: &str) -> (u16, Value) {
    call(
        app,
        token,
        "/v2/post/publish/status/fetch/",
        Some(json!({"publish_id": publish_id})),
    )
    .await
}

/// Asks status fetch until it leaves PROCESSING_UPLOAD, moving TikTok's clock on between two
/// asks as a client backs off (the limit is 30 a minute); returns the final `data`. The received
/// file's hash and media check run on a thread of their own meanwhile, and are awaited.
pub async fn wait_final(app: &TestApp, token: &str, publish_id: &str) -> Value {
    let mut pause = Duration::from_millis(100);
    for _ in 0..29 {
        let (status, body) = status_of(app, token, publish_id).await;
        assert_ok(status, &body);
        if body["data"]["status"] != "PROCESSING_UPLOAD" {
            return body["data"].clone();
        }
        app.advance(pause);
        pause = (pause * 2).min(Duration::from_secs(2));
        if let Some(sandbox) = &app.tiktok_sandbox {
            sandbox.checks_settled().await;
        }
    }
    panic!("{publish_id} never left PROCESSING_UPLOAD");
}

/// Uploads `bytes` whole (one chunk) through a direct post; returns the publish_id.
pub async fn post_whole(app: &TestApp, token: &str, privacy: &str, bytes: Vec<u8>) -> String {
    let size = bytes.len() as u64;
    let (status, body) = init_direct(app, token, privacy, file_source(size, size, 1)).await;
    let (publish_id, upload_url) = accepted(status, &body);
    let res = put_chunk(&upload_url, 0, size, bytes).await;
    assert_eq!(res.status().as_u16(), 201);
    publish_id
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// What the owner's `/_/posts` lists.
pub async fn received(app: &TestApp) -> Vec<Value> {
    let res = app.get(&format!("{API}/_/posts")).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json list")
}
