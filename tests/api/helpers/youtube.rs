//! The YouTube sandbox alone on a loopback port with a test clock, and the steps a Google
//! client takes against it: consent, tokens, the upload session, the owner's listing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use cast::clock::Clock;
use cast::config::Secret;
use cast::platforms::youtube::rules::{self, Context, Metadata};
use cast::platforms::youtube::{
    Credentials, Endpoints, Grant, Privacy, PrivacyChoice, YouTubeClient, YouTubeOptions,
};
use cast::sandbox::gate::{OPEN_GATE_TOKEN, OwnerGate, Visitor};
use cast::sandbox::youtube::{self, StandaloneYouTube, YouTubeSandbox, YouTubeSandboxSettings};

pub const REDIRECT: &str = "http://127.0.0.1:9/auth/youtube/callback";
pub const CLIENT_ID: &str = "cast-sandbox.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "cast-sandbox-secret";
pub const UPLOAD_SCOPE: &str = "https://www.googleapis.com/auth/youtube.upload";
pub const READONLY_SCOPE: &str = "https://www.googleapis.com/auth/youtube.readonly";
pub const UNIT: u64 = 262_144;
/// RFC 7636's example pair.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Yt {
    pub sandbox: StandaloneYouTube,
    pub clock: Clock,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

pub fn settings(pairs: &[(&str, &str)]) -> YouTubeSandboxSettings {
    let mut map: HashMap<String, String> = HashMap::new();
    // Processing takes a moment unless a test says otherwise; tests move the clock past it.
    map.insert("CAST_SANDBOX_YOUTUBE_PROCESSING_MS".into(), "3000".into());
    for (k, v) in pairs {
        map.insert(k.to_string(), v.to_string());
    }
    YouTubeSandboxSettings::from_source(&map).expect("valid sandbox settings")
}

pub fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The sandbox alone, on a manual clock.
pub async fn start(pairs: &[(&str, &str)]) -> Yt {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Clock::manual_now();
    let sandbox =
        youtube::start_standalone(settings(pairs), dir.path(), REDIRECT.into(), clock.clone())
            .await
            .expect("the sandbox starts");
    Yt {
        sandbox,
        clock,
        http: plain_http(),
        dir,
    }
}

impl Yt {
    pub fn consent_url(&self) -> String {
        format!("{}/o/oauth2/v2/auth", self.sandbox.auth_base())
    }
    pub fn token_url(&self) -> String {
        format!("{}/token", self.sandbox.oauth_base())
    }
    pub fn api(&self, path: &str) -> String {
        format!("{}/youtube/v3{path}", self.sandbox.api_base())
    }
    pub fn upload_url(&self) -> String {
        format!("{}/upload/youtube/v3/videos", self.sandbox.api_base())
    }

    /// Cast's YouTube client, pointed at this sandbox, on the same clock.
    pub fn client(&self) -> YouTubeClient {
        YouTubeClient::new(
            Endpoints {
                auth_base: self.sandbox.auth_base().parse().expect("url"),
                oauth_base: self.sandbox.oauth_base().parse().expect("url"),
                api_base: self.sandbox.api_base().parse().expect("url"),
            },
            Credentials {
                client_id: CLIENT_ID.into(),
                client_secret: Secret::new(CLIENT_SECRET),
                redirect_uri: REDIRECT.into(),
            },
            self.clock.clone(),
        )
    }

    /// Answers the consent page for `authorize_url` as the page's own form would: every hidden
    /// field carried, `scopes` ticked, `channel` typed. Returns the redirect's `Location`.
    pub async fn answer(
        &self,
        authorize_url: &str,
        channel: &str,
        no_channel: bool,
        ticked: Option<&[&str]>,
        decision: &str,
    ) -> String {
        let url = url::Url::parse(authorize_url).expect("authorize url");
        let mut form: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let requested: Vec<String> = form
            .iter()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.split(' ').map(str::to_string).collect())
            .unwrap_or_default();
        let ticked: Vec<String> = match ticked {
            Some(t) => t.iter().map(|s| s.to_string()).collect(),
            None => requested,
        };
        form.extend(ticked.into_iter().map(|s| ("scopes".to_string(), s)));
        form.push(("csrf_token".into(), OPEN_GATE_TOKEN.into()));
        form.push(("channel_name".into(), channel.into()));
        if no_channel {
            form.push(("no_channel".into(), "1".into()));
        }
        form.push(("decision".into(), decision.into()));
        let res = self
            .http
            .post(self.consent_url())
            .form(&form)
            .send()
            .await
            .expect("consent answer");
        assert_eq!(
            res.status().as_u16(),
            302,
            "{}",
            res.text().await.unwrap_or_default()
        );
        location(&res)
    }

    /// Consent for `channel` through Cast's client: the code, then the grant.
    pub async fn connect(&self, channel: &str) -> Grant {
        let client = self.client();
        let auth = client.authorize_url("state-1").expect("authorize url");
        let page = self.http.get(&auth.url).send().await.expect("consent page");
        assert_eq!(page.status().as_u16(), 200);
        let back = self.answer(&auth.url, channel, false, None, "allow").await;
        let code = query_param(&back, "code").expect("a code");
        assert_eq!(query_param(&back, "state").as_deref(), Some("state-1"));
        client
            .exchange_code(&code, auth.pkce_verifier.expose())
            .await
            .expect("tokens")
    }

    /// A hand-built consent request with RFC 7636's example challenge.
    pub fn authorize_query(&self, extra: &[(&str, &str)]) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("client_id", CLIENT_ID)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("scope", &format!("{UPLOAD_SCOPE} {READONLY_SCOPE}"))
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("state", "st")
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        format!("{}?{}", self.consent_url(), q.finish())
    }

    /// A code for `channel` from the hand-built consent request.
    pub async fn code(&self, channel: &str, extra: &[(&str, &str)]) -> String {
        let back = self
            .answer(&self.authorize_query(extra), channel, false, None, "allow")
            .await;
        query_param(&back, "code").expect("a code")
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let res = self
            .http
            .post(self.token_url())
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn exchange(&self, code: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    /// An access token for `channel`, by hand.
    pub async fn access_token(&self, channel: &str) -> String {
        let code = self.code(channel, &[]).await;
        let (status, body) = self.exchange(&code).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    /// `GET _/videos`.
    pub async fn listing(&self) -> Vec<Value> {
        let res = self
            .http
            .get(format!("{}/_/videos", self.sandbox.api_base()))
            .send()
            .await
            .expect("listing");
        assert_eq!(res.status().as_u16(), 200);
        res.json().await.expect("json listing")
    }

    pub async fn quota(&self) -> Value {
        self.http
            .get(format!("{}/_/quota", self.sandbox.api_base()))
            .send()
            .await
            .expect("quota")
            .json()
            .await
            .expect("json")
    }

    /// Starts an upload by hand; returns the raw answer.
    pub async fn initiate(
        &self,
        token: &str,
        size: u64,
        resource: &Value,
        query: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}?{query}", self.upload_url()))
            .bearer_auth(token)
            .header("Content-Type", "application/json; charset=UTF-8")
            .header("X-Upload-Content-Length", size.to_string())
            .header("X-Upload-Content-Type", "video/mp4")
            .body(resource.to_string())
            .send()
            .await
            .expect("initiation")
    }

    /// Starts an upload that must be accepted; returns the session URI.
    pub async fn session(&self, token: &str, size: u64) -> String {
        let res = self
            .initiate(token, size, &video_resource("A Short"), RESUMABLE)
            .await;
        assert_eq!(
            res.status().as_u16(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
        location(&res)
    }

    /// One chunk `PUT` of `bytes[first..=last]`.
    pub async fn put(
        &self,
        session: &str,
        token: &str,
        bytes: &[u8],
        first: u64,
        last: u64,
    ) -> reqwest::Response {
        let total = bytes.len() as u64;
        let body = bytes[first as usize..=last as usize].to_vec();
        self.http
            .put(session)
            .bearer_auth(token)
            .header("Content-Type", "video/mp4")
            .header("Content-Range", format!("bytes {first}-{last}/{total}"))
            .body(body)
            .send()
            .await
            .expect("chunk")
    }

    pub async fn probe(&self, session: &str, token: &str, total: u64) -> reqwest::Response {
        self.http
            .put(session)
            .bearer_auth(token)
            .header("Content-Length", "0")
            .header("Content-Range", format!("bytes */{total}"))
            .send()
            .await
            .expect("probe")
    }

    /// Sends the whole file in chunks of `chunk` bytes; returns the final answer.
    pub async fn upload_all(
        &self,
        session: &str,
        token: &str,
        bytes: &[u8],
        chunk: u64,
    ) -> reqwest::Response {
        let total = bytes.len() as u64;
        let mut first = 0;
        loop {
            let last = (first + chunk).min(total) - 1;
            let res = self.put(session, token, bytes, first, last).await;
            if res.status().as_u16() != 308 {
                return res;
            }
            first = last + 1;
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn advance_ms(&self, ms: u64) {
        assert!(self.clock.advance(std::time::Duration::from_millis(ms)));
    }
}

pub const RESUMABLE: &str = "uploadType=resumable&part=snippet,status";

/// A resource that passes every rule.
pub fn video_resource(title: &str) -> Value {
    serde_json::json!({
        "snippet": {"title": title, "description": "Made with Cast", "categoryId": "22", "tags": ["cast"]},
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": false, "containsSyntheticMedia": false},
    })
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_string()
}

pub fn query_param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("absolute url")
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `ok_faststart.mp4` followed by a `free` box, so the file is a valid vertical video of
/// `at_least` bytes or more: chunking needs files past 256 KiB, and ffmpeg is not needed.
pub fn padded_video(dir: &Path, at_least: u64) -> PathBuf {
    let mut bytes = std::fs::read(fixture("ok_faststart.mp4")).expect("fixture");
    let pad = at_least.saturating_sub(bytes.len() as u64).max(8) as u32;
    bytes.extend_from_slice(&pad.to_be_bytes());
    bytes.extend_from_slice(b"free");
    // Varied bytes, so two paddings never hash alike by accident of zeros.
    bytes.extend((0..pad - 8).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let path = dir.join(format!("padded-{at_least}.mp4"));
    std::fs::write(&path, bytes).expect("write");
    path
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A gate like Cast's: the owner sends `x-owner: yes`; their form token is `owner-token`.
pub struct HeaderGate;

impl OwnerGate for HeaderGate {
    fn check<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Visitor> {
        let owner = req.headers().get("x-owner").is_some_and(|v| v == "yes");
        Box::pin(async move {
            if owner {
                Visitor::Owner {
                    csrf_token: "owner-token".into(),
                }
            } else {
                Visitor::Stranger(
                    HttpResponse::SeeOther()
                        .insert_header(("Location", "/login"))
                        .finish(),
                )
            }
        })
    }

    fn form_token_ok(&self, req: &HttpRequest, token: &str) -> bool {
        req.headers().get("x-owner").is_some_and(|v| v == "yes") && token == "owner-token"
    }
}

/// The sandbox mounted the way Cast mounts it, behind `HeaderGate`.
pub struct Gated {
    pub origin: String,
    pub handle: ServerHandle,
}

pub async fn start_gated(dir: &Path) -> Gated {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let origin = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let db = cast::db::connect(&dir.join("cast.db")).await.expect("db");
    let sandbox = YouTubeSandbox::new(
        settings(&[]),
        db,
        Clock::manual_now(),
        Arc::new(HeaderGate),
        origin.clone(),
        dir.join("youtube"),
        REDIRECT.into(),
    );
    let server = HttpServer::new(move || {
        let sandbox = sandbox.clone();
        App::new().configure(move |cfg| sandbox.configure(cfg))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Gated { origin, handle }
}

/// Options that pass every rule, as a posting screen would send them.
pub fn metadata(yt: &Yt, title: &str) -> Metadata {
    let options = YouTubeOptions {
        title: title.into(),
        description: "Posted by Cast".into(),
        privacy_status: Some(PrivacyChoice::Known(Privacy::Public)),
        made_for_kids: Some(false),
        synthetic_media: Some(false),
        tags: vec!["cast".into(), "short video".into()],
        ..YouTubeOptions::default()
    };
    rules::check(
        &options,
        &Context {
            now_ms: yt.clock.now_ms(),
            ..Context::default()
        },
    )
    .expect("valid options")
}

/// A JSON answer, or null.
pub async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap_or(Value::Null)
}

/// The status and Google's `errors[0].reason`.
pub async fn google_reason(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let v = body(res).await;
    (
        status,
        v["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}
