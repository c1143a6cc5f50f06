//! The sandbox alone on a loopback port, as client tests use it.

use serde_json::{Value, json};

use cast::config::TikTokSandboxSettings as SandboxSettings;
use cast::platforms::tiktok::client::pkce::Verifier;

#[tokio::test]
async fn the_standalone_sandbox_serves_oauth_and_posting_without_a_cast_login() {
    let dir = tempfile::tempdir().expect("temp dir");
    let redirect = "http://127.0.0.1:9/auth/tiktok/callback".to_string();
    let sandbox = cast::sandbox::tiktok::start_standalone(
        SandboxSettings::default(),
        dir.path(),
        redirect.clone(),
    )
    .await
    .expect("starts");
    let base = sandbox.base_url();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/sandbox/tiktok"),
        "{base}"
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let verifier = Verifier::random();
    let challenge = verifier.challenge();
    let page = client.get(format!("{}?client_key=cast-sandbox&scope=video.publish&response_type=code&redirect_uri={}&state=s&code_challenge={challenge}&code_challenge_method=S256", sandbox.auth_url(), url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()))
        .send()
        .await
        .expect("consent");
    assert_eq!(page.status().as_u16(), 200);

    let res = client
        .post(sandbox.auth_url())
        .form(&[
            ("csrf_token", cast::sandbox::gate::OPEN_GATE_TOKEN),
            ("client_key", "cast-sandbox"),
            ("response_type", "code"),
            ("redirect_uri", redirect.as_str()),
            ("scope", "user.info.basic,video.publish"),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("username", "standalone"),
            ("scopes", "user.info.basic"),
            ("scopes", "video.publish"),
            ("decision", "authorize"),
        ])
        .send()
        .await
        .expect("consent answer");
    assert_eq!(res.status().as_u16(), 303);
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let code = url::Url::parse(&to)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");

    let tokens: Value = client
        .post(format!("{base}/v2/oauth/token/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("code", code.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", verifier.secret()),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = tokens["access_token"].as_str().expect("access token");

    let init: Value = client
        .post(format!("{base}/v2/post/publish/video/init/"))
        .bearer_auth(token)
        .json(&json!({
            "post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": false},
            "source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1}
        }))
        .send()
        .await
        .expect("init")
        .json()
        .await
        .expect("json");
    assert_eq!(init["error"]["code"], "ok", "{init}");
    let upload_url = init["data"]["upload_url"].as_str().expect("upload url");
    assert!(upload_url.starts_with(&base));

    let posts: Vec<Value> = client
        .get(format!("{base}/_/posts"))
        .send()
        .await
        .expect("posts")
        .json()
        .await
        .expect("json");
    assert_eq!(posts.len(), 1);
    sandbox.stop().await;
}
