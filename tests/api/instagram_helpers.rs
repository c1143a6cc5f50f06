//! Cast's links and the Instagram sandbox side by side on one test clock, and the steps of
//! connecting an account and publishing a reel, as functions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cast::clock::Clock;
use cast::config::Secret;
use cast::platforms::instagram::{
    Account, ContainerState, Endpoints, InstagramClient, InstagramOptions, ReelRequest,
    SANDBOX_APP_ID, SANDBOX_APP_SECRET,
};
use cast::sandbox::instagram::{InstagramSandboxSettings, StandaloneInstagram, start_standalone};
use serde_json::Value;

use crate::media_helpers::{Cast, spawn_cast};

pub const SCOPE: &str = "instagram_business_basic,instagram_business_content_publish";

pub struct Rig {
    pub clock: Clock,
    pub cast: Cast,
    pub sandbox: StandaloneInstagram,
    pub client: InstagramClient,
    pub redirect_uri: String,
    pub dir: tempfile::TempDir,
}

pub fn settings(pairs: &[(&str, &str)]) -> InstagramSandboxSettings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    InstagramSandboxSettings::from_source(&map).expect("valid sandbox settings")
}

pub fn client_for(
    sandbox: &StandaloneInstagram,
    redirect_uri: &str,
    version: &str,
) -> InstagramClient {
    let endpoints = Endpoints::from_bases(
        &sandbox.auth_base(),
        &sandbox.oauth_base(),
        &sandbox.graph_base(),
        version,
    )
    .expect("endpoints");
    InstagramClient::new(
        endpoints,
        SANDBOX_APP_ID,
        Secret::new(SANDBOX_APP_SECRET),
        redirect_uri,
    )
    .with_timeout(Duration::from_secs(20))
}

/// Cast (serving links) and the sandbox, reading one manual clock. The sandbox's one
/// redirect URI is Cast's, so Cast's plain-http links are its "BASE_URL".
pub async fn rig(knobs: &[(&str, &str)]) -> Rig {
    let clock = Clock::manual_now();
    let cast = spawn_cast(clock.clone()).await;
    let redirect_uri = cast.url("/auth/instagram/callback");
    rig_with(knobs, clock, cast, redirect_uri).await
}

pub async fn rig_with(
    knobs: &[(&str, &str)],
    clock: Clock,
    cast: Cast,
    redirect_uri: String,
) -> Rig {
    let dir = tempfile::tempdir().expect("temp dir");
    let sandbox = start_standalone(
        settings(knobs),
        dir.path(),
        redirect_uri.clone(),
        clock.clone(),
    )
    .await
    .expect("sandbox starts");
    let client = client_for(&sandbox, &redirect_uri, "v25.0");
    Rig {
        clock,
        cast,
        sandbox,
        client,
        redirect_uri,
        dir,
    }
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Answers the consent form as the owner would; returns the redirect's `Location`.
pub async fn consent(
    rig: &Rig,
    username: &str,
    account_type: &str,
    scopes: &[&str],
    decision: &str,
) -> String {
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf_token", cast::sandbox::gate::OPEN_GATE_TOKEN),
        ("client_id", SANDBOX_APP_ID),
        ("redirect_uri", rig.redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", SCOPE),
        ("state", "st4te"),
        ("username", username),
        ("account_type", account_type),
        ("decision", decision),
    ];
    for s in scopes {
        form.push(("scopes", s));
    }
    let res = no_redirects()
        .post(format!("{}/oauth/authorize", rig.sandbox.auth_base()))
        .form(&form)
        .send()
        .await
        .expect("consent");
    assert_eq!(
        res.status().as_u16(),
        303,
        "consent redirects back: {:?}",
        res.text().await
    );
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string()
}

pub fn query(location: &str, key: &str) -> Option<String> {
    url::Url::parse(location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Connects `username` as Cast would: consent, code exchange, long-lived token, `/me`.
pub async fn connect(rig: &Rig, username: &str, account_type: &str) -> (Secret, Account) {
    let location = consent(
        rig,
        username,
        account_type,
        &SCOPE.split(',').collect::<Vec<_>>(),
        "allow",
    )
    .await;
    let code = query(&location, "code").expect("a code");
    let short = rig
        .client
        .exchange_code(&code)
        .await
        .expect("code exchange");
    let long = rig
        .client
        .long_lived_token(&short.access_token)
        .await
        .expect("long-lived token");
    let account = rig.client.me(&long.access_token).await.expect("/me");
    (long.access_token, account)
}

/// Moves the clock past the fetch delay, lets the fetch run, then past the processing delay.
pub async fn fetch_and_process(rig: &Rig) {
    rig.clock.advance(Duration::from_millis(1000));
    rig.sandbox.settle().await;
    rig.clock.advance(Duration::from_millis(5000));
}

pub async fn create(
    rig: &Rig,
    token: &Secret,
    account: &Account,
    url: &str,
    caption: &str,
) -> String {
    let options = InstagramOptions {
        caption: caption.into(),
        ..InstagramOptions::default()
    };
    rig.client
        .create_reel_container(
            token,
            &account.user_id,
            &ReelRequest {
                video_url: url,
                cover_url: None,
                options: &options,
            },
        )
        .await
        .expect("container created")
}

pub async fn state_of(rig: &Rig, token: &Secret, container: &str) -> ContainerState {
    rig.client
        .container_status(token, container)
        .await
        .expect("status")
        .state
}

/// The sandbox's listing (`_/posts`).
pub async fn listing(rig: &Rig) -> Vec<Value> {
    no_redirects()
        .get(rig.sandbox.posts_url())
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("json")
}

pub fn entry<'a>(listing: &'a [Value], container: &str) -> &'a Value {
    listing
        .iter()
        .find(|p| p["container_id"] == container)
        .expect("the container is listed")
}

pub fn reel_file(dir: &Path, pad: u32) -> PathBuf {
    crate::media_helpers::reel(dir, pad)
}
