//! The Instagram sandbox: Instagram's OAuth and Graph API for Reels, emulated (contract
//! `shared/instagram-api.md`, section 14).
//!
//! It takes the stricter reading of every Unsure point, so a client that works here works
//! against Instagram. Its fetcher is a real HTTP client that reads the container's `video_url`
//! the way Meta's servers do and fails the container as Meta would. It answers in Meta's shapes
//! only (`errors`), keeps its own tables (`sandbox_instagram_*`), reads all time from the clock
//! it is given, and asks Cast one thing: whether the visitor of its consent page is the owner
//! (`Gate`).

mod answers;
mod caller;
mod consent;
mod download;
mod errors;
mod faults;
mod fetcher;
mod graph;
mod ids;
mod judge;
mod limits;
mod oauth;
mod pages;
mod params;
mod posts;
mod publishing;
mod robots;
mod routes;
pub mod settings;
mod standalone;
mod status;
mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use sqlx::SqlitePool;

use crate::clock::Clock;
use crate::sandbox::gate::Gate;
pub use settings::InstagramSandboxSettings;
pub use standalone::{StandaloneInstagram, start_standalone};

/// The sandbox's app (section 14): public by design, since consent needs the owner's login.
pub const CLIENT_ID: &str = "1000000000000001";
pub const CLIENT_SECRET: &str = "cast-sandbox-instagram-secret";
/// Where the sandbox is mounted on Cast's port, with one prefix per Meta host below it:
/// `www` (www.instagram.com), `api` (api.instagram.com), `graph` (graph.instagram.com).
pub const MOUNT: &str = "/sandbox/instagram";

#[derive(Clone)]
pub struct InstagramSandbox {
    state: Arc<State>,
}

impl InstagramSandbox {
    /// `origin` is where the sandbox is reached (Cast's `BASE_URL` origin), `files_dir` where
    /// fetched media go (`DATA_DIR/sandbox/instagram`), `redirect_uri` the app's one registered
    /// redirect URI (`{BASE_URL}/auth/instagram/callback`). The redirect URI's origin is the one
    /// place a `video_url` may be plain http or an IP address (the sandbox is local).
    pub fn new(
        settings: InstagramSandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        origin: String,
        files_dir: PathBuf,
        redirect_uri: String,
    ) -> Self {
        Self {
            state: Arc::new(State::new(
                settings,
                db,
                clock,
                gate,
                origin,
                files_dir,
                redirect_uri,
            )),
        }
    }

    /// Mounts the sandbox's scope at `/sandbox/instagram`. Call once per worker: the state is
    /// shared, so limits and faults hold across workers.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        routes::configure(cfg, web::Data::from(self.state.clone()));
    }

    /// Starts every fetch that is due by the sandbox's clock and waits until no fetch is
    /// running. Tests call this after moving the clock, instead of sleeping.
    pub async fn settle(&self) {
        fetcher::settle(&self.state).await;
    }
}

/// What every handler reaches.
pub(crate) struct State {
    settings: InstagramSandboxSettings,
    db: SqlitePool,
    clock: Clock,
    gate: Gate,
    /// Without a trailing slash.
    origin: String,
    files_dir: PathBuf,
    redirect_uri: String,
    /// `scheme://host:port` of the redirect URI: Cast's BASE_URL.
    local_origin: Option<String>,
    faults: faults::Faults,
    limits: limits::CallLimiter,
    fetches: fetcher::Running,
    http: reqwest::Client,
}

impl State {
    fn new(
        settings: InstagramSandboxSettings,
        db: SqlitePool,
        clock: Clock,
        gate: Gate,
        origin: String,
        files_dir: PathBuf,
        redirect_uri: String,
    ) -> Self {
        let local_origin = url::Url::parse(&redirect_uri)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        let http = reqwest::Client::builder()
            .user_agent(fetcher::USER_AGENT)
            .connect_timeout(Duration::from_secs(10))
            // Meta's fetcher follows no redirect: a `Location` fails the container.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            faults: faults::Faults::new(&settings.faults),
            settings,
            db,
            clock,
            gate,
            origin: origin.trim_end_matches('/').to_string(),
            files_dir,
            redirect_uri,
            local_origin,
            limits: limits::CallLimiter::default(),
            fetches: fetcher::Running::default(),
            http,
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn ms(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// An absolute URL below the sandbox's mount point.
    fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.origin)
    }
}
