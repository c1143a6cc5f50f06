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
mod emulator;
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

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::sandbox::gate::Gate;
pub use emulator::InstagramSandbox;
pub use settings::InstagramSandboxSettings;
pub use standalone::{StandaloneInstagram, start_standalone};

/// The sandbox's app (section 14): public by design, since consent needs the owner's login.
pub const CLIENT_ID: &str = "1000000000000001";
pub const CLIENT_SECRET: &str = "cast-sandbox-instagram-secret";
/// Where the sandbox is mounted on Cast's port, with one prefix per Meta host below it:
/// `www` (www.instagram.com), `api` (api.instagram.com), `graph` (graph.instagram.com).
pub const MOUNT: &str = "/sandbox/instagram";

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
    fetches: Running,
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
            .user_agent(USER_AGENT)
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
            fetches: Running::default(),
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

/// How Meta's fetcher introduces itself.
pub const USER_AGENT: &str =
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

/// The fetches running now.
pub struct Running {
    ids: Mutex<HashSet<String>>,
    count: watch::Sender<usize>,
}

impl Default for Running {
    fn default() -> Self {
        Self {
            ids: Mutex::default(),
            count: watch::channel(0).0,
        }
    }
}

impl Running {
    fn begin(&self, id: &str) {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
        self.count.send_modify(|n| *n += 1);
    }

    fn end(&self, id: &str) {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }

    fn is_running(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }
}
